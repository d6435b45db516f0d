# Convenience aliases; the scripts are the real commands (they work without make on a bare machine).
.PHONY: run test build
run:
	./scripts/run
test:
	./scripts/test
build:
	./scripts/build
