package dev.streamtune.trainer.training;

import dev.streamtune.common.event.MonitoringEvent;

/** Where monitoring events go (the monitoring topic). */
public interface MonitoringSink {

    void emit(MonitoringEvent event);
}
