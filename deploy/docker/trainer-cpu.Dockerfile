# trainer-service image for CPU-only nodes: the PyTorch CPU natives ship in the pytorch-native-cpu jar.
# Build the app first: ./mvnw -B -pl trainer-service -am package -DskipTests
# then, from the repository root: docker build -f deploy/docker/trainer-cpu.Dockerfile -t streamtune/trainer-service:cpu .
FROM eclipse-temurin:17-jre-jammy
RUN useradd --uid 1001 --create-home streamtune
WORKDIR /deployments
COPY --chown=1001 trainer-service/target/quarkus-app/lib/ lib/
COPY --chown=1001 trainer-service/target/quarkus-app/*.jar ./
COPY --chown=1001 trainer-service/target/quarkus-app/app/ app/
COPY --chown=1001 trainer-service/target/quarkus-app/quarkus/ quarkus/
USER 1001
ENV DJL_CACHE_DIR=/tmp/djl \
    JAVA_OPTS="-XX:MaxRAMPercentage=60 -Dai.djl.offline=true"
# 8080: the API (bearer tokens); 9000: the management interface (health, metrics, OpenAPI)
EXPOSE 8080 9000
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
