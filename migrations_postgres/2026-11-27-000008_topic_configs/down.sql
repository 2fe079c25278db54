DROP TABLE topic_configs;
