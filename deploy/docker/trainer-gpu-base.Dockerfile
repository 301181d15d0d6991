# The base of the trainer's GPU image (trainer-service:<version>-gpu): libtorch 2.7.1+cu128 from the official PyTorch
# runtime image (the CUDA natives are not on Maven Central) plus a JRE 17. Jib cannot run commands, so this base is
# built once with a container builder and pushed; the Maven build then puts the trainer on it:
#   docker build -f deploy/docker/trainer-gpu-base.Dockerfile -t registry.example.com/streamtune/trainer-gpu-base:2.7.1-cu128-jre17 deploy/docker
#   docker push registry.example.com/streamtune/trainer-gpu-base:2.7.1-cu128-jre17
#   ./mvnw -B -Pimages -pl trainer-service -am package -DskipTests -Dtrainer.image.variant=gpu \
#     -Dstreamtune.image.base.gpu=registry.example.com/streamtune/trainer-gpu-base:2.7.1-cu128-jre17
# (buildah bud works the same way without a Docker daemon.) DJL's pytorch-jni jar carries the cu128 JNI library; it
# loads libtorch from PYTORCH_LIBRARY_PATH instead of the CPU natives bundled in the trainer.
FROM pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*
ENV PYTORCH_LIBRARY_PATH=/opt/conda/lib/python3.11/site-packages/torch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128
