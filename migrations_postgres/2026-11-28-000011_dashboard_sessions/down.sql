DROP TABLE dashboard_cookie_key;
DROP TABLE dashboard_sessions;
