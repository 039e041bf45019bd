FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p companygate-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/companygate /usr/local/bin/companygate
USER nobody
EXPOSE 8080
ENTRYPOINT ["companygate"]
CMD ["serve"]
