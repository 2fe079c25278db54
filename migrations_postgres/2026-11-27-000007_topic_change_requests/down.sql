DROP TABLE topic_change_requests;
