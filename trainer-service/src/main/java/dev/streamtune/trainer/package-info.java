package dev.streamtune.trainer;
