// Quiet logs in tests unless PULSAR_LOG_LEVEL asks otherwise (the logger reads NODE_ENV=test).
process.env.NODE_ENV = "test";
