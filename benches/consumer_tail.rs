//! `topicgate-consumer tail --json` against a plain rdkafka consumer loop.
fn main() {}
