package dev.streamtune.kafka;
