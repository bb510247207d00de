"""Developer tools, outside the product: the local Fake Store API (emulator) and the benchmark
harness (bench). The platform's runtime never imports them; the runtime image does not ship them."""
