# Hocvu: one image for every role (serve, project, the tools).
# Multi-stage: cgo is needed for the embedded DuckDB analytics engine.
#
#   docker build -t hocvu --build-arg VERSION=$(git describe --always) .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/hocvu ./cmd/hocvu

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/hocvu hocvu \
 && mkdir -p /var/lib/hocvu/data && chown hocvu:hocvu /var/lib/hocvu/data
COPY --from=build /out/hocvu /usr/local/bin/hocvu
USER hocvu
ENV HOCVU_DATA_DIR=/var/lib/hocvu/data \
    HOCVU_LISTEN=0.0.0.0:8080 \
    HOCVU_LOG_FORMAT=json
VOLUME /var/lib/hocvu/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["hocvu"]
CMD ["serve"]
