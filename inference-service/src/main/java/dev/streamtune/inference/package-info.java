package dev.streamtune.inference;
