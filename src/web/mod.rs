//! HTTP: the REST API and the dashboard.
