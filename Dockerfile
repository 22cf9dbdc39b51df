# Multi-stage build: compile with the Rust toolchain, run on a slim Debian as a non-root user.
# rust:1 is the newest stable 1.x (SeaORM 2 needs 1.94 or newer), on the same Debian as the runtime.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY migration/Cargo.toml migration/Cargo.toml
RUN mkdir -p src migration/src \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs && touch migration/src/lib.rs \
    && cargo build --release --locked || true
COPY . .
RUN touch src/main.rs src/lib.rs migration/src/lib.rs \
    && cargo build --release --locked --bin khoi

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --create-home khoi \
    && mkdir -p /app/data && chown khoi:khoi /app/data
COPY --from=build /src/target/release/khoi /usr/local/bin/khoi
USER khoi
WORKDIR /app
ENV KHOI_BIND=0.0.0.0:8080 \
    KHOI_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/app/data"]
ENTRYPOINT ["/usr/local/bin/khoi"]
CMD ["serve"]
