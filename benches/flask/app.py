"""The Flask-JWT-Extended comparator of the load benchmark (issue 7): the same protected
HS256 route as the bench server's /macro, and an open route, under gunicorn.

    gunicorn -w 5 -b 127.0.0.1:18081 --chdir benches/flask app:app
"""

import os

from flask import Flask
from flask_jwt_extended import JWTManager, get_jwt_identity, jwt_required

app = Flask(__name__)
# Same secret as the bench server, so its tokens open this route too.
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "BENCH_SECRET", "bench-secret-do-not-use-in-production"
)
jwt = JWTManager(app)


@app.get("/open")
def open_route():
    return "bench-user"


@app.get("/macro")
@jwt_required()
def macro_route():
    return get_jwt_identity()
