// Package deploycheck holds tests of the deployment files at the root of
// the repository (docker-compose.yml, Dockerfile, .env.example): they are
// loaded and validated the way `docker compose config` does, with the
// compose-spec loader that Docker Compose itself uses, since no Docker
// engine runs where the tests run.
package deploycheck
