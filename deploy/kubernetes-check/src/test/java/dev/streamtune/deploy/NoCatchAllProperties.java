package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;

/**
 * fabric8's and Strimzi's models keep unknown fields in an "additional properties" map (their {@code @JsonAnySetter});
 * without it, Jackson's FAIL_ON_UNKNOWN_PROPERTIES reports them, with their path.
 */
final class NoCatchAllProperties extends BeanDeserializerModifier {

    @Override
    public BeanDeserializerBuilder updateBuilder(
            DeserializationConfig config, BeanDescription description, BeanDeserializerBuilder builder) {
        builder.setAnySetter(null);
        builder.setIgnoreUnknownProperties(false);
        return builder;
    }
}
