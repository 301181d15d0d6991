# trainer-service image for GPU nodes. DJL's pytorch-jni jar carries the cu128 JNI library; libtorch 2.7.1+cu128 comes
# from the official PyTorch runtime image (the CUDA natives are not on Maven Central).
# Build the app first: ./mvnw -B -pl trainer-service -am package -DskipTests
# then, from the repository root: docker build -f deploy/docker/trainer-gpu.Dockerfile -t streamtune/trainer-service:gpu .
FROM pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --create-home streamtune
WORKDIR /deployments
COPY --chown=1001 trainer-service/target/quarkus-app/lib/ lib/
COPY --chown=1001 trainer-service/target/quarkus-app/*.jar ./
COPY --chown=1001 trainer-service/target/quarkus-app/app/ app/
COPY --chown=1001 trainer-service/target/quarkus-app/quarkus/ quarkus/
USER 1001
# DJL loads libtorch from PYTORCH_LIBRARY_PATH instead of the CPU natives bundled in the jar.
ENV PYTORCH_LIBRARY_PATH=/opt/conda/lib/python3.11/site-packages/torch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    DJL_CACHE_DIR=/tmp/djl \
    JAVA_OPTS="-XX:MaxRAMPercentage=60 -Dai.djl.offline=true"
# 8080: the API (bearer tokens); 9000: the management interface (health, metrics, OpenAPI)
EXPOSE 8080 9000
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
