# Thin wrappers; each target is also a plain command shown in the README.
.PHONY: run test bench build fuzz

run:            ## go run ./cmd/hocvu serve
	go run ./cmd/hocvu serve

test:           ## ./scripts/test
	./scripts/test

fuzz:           ## ./scripts/fuzz (FUZZTIME=1m per target)
	./scripts/fuzz

bench:          ## go test -run '^$$' -bench . ./eventstore/pebblestore/
	go test -run '^$$' -bench . -benchtime 2s ./eventstore/pebblestore/

build:          ## go build -o hocvu ./cmd/hocvu
	go build -o hocvu ./cmd/hocvu
