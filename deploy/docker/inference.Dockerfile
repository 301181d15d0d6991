# inference-service image. Build the app first: ./mvnw -B -pl inference-service -am package -DskipTests
# then, from the repository root: docker build -f deploy/docker/inference.Dockerfile -t streamtune/inference-service .
# ONNX Runtime's CPU native ships inside the onnxruntime jar; no PyTorch in this image.
FROM eclipse-temurin:17-jre-jammy
RUN useradd --uid 1001 --create-home streamtune
WORKDIR /deployments
COPY --chown=1001 inference-service/target/quarkus-app/lib/ lib/
COPY --chown=1001 inference-service/target/quarkus-app/*.jar ./
COPY --chown=1001 inference-service/target/quarkus-app/app/ app/
COPY --chown=1001 inference-service/target/quarkus-app/quarkus/ quarkus/
USER 1001
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true" \
    DJL_CACHE_DIR=/tmp/djl
# 8080: the API (bearer tokens); 9000: the management interface (health, metrics, OpenAPI)
EXPOSE 8080 9000
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
