# The monitor's JSON parser under test (run by tests/check-monitor.sh).
TEST_PROGS += tests/monitor/json-test
tests/monitor/json-test: tests/monitor/json-test.o monitor/json.o
	$(LINK)
