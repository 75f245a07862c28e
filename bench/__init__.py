"""The performance benchmark of issue #9: `bench/run [--quick]` (see bench/README.md)."""
