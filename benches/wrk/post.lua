-- wrk has no method flag: the /cookie_csrf route is a POST (the CSRF check applies to
-- POST, PUT, PATCH and DELETE). Headers come from wrk's -H flags.
wrk.method = "POST"
wrk.headers["Content-Length"] = "0"
