// Package deploycheck holds tests of the deployment files at the root of
// the repository (docker-compose.yml, docker-compose.tls.yml, Dockerfile,
// .env.example, .dockerignore): they are loaded and validated the way
// `docker compose config` does, with the compose-spec loader that Docker
// Compose itself uses, since no Docker engine runs where the tests run.
// Besides validity they check the rules of a deployment that survives:
// restart policies, stop grace periods above Hocvu's own shutdown, ports
// published on 127.0.0.1 only (except the TLS proxy), no secret shipped or
// written as a literal, KurrentDB's append limit as Hocvu knows it, a
// standby projector, health checks with a start period, and KurrentDB
// telemetry opted out.
package deploycheck
