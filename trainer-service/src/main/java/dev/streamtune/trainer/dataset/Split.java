package dev.streamtune.trainer.dataset;

/** The three disjoint parts of the dataset; an example's split follows from its id alone. */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String id;

    Split(String id) {
        this.id = id;
    }

    /** Lower-case name used in lineage, metrics tags and REST. */
    public String id() {
        return id;
    }
}
