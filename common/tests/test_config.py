from common.config import load_config


def test_defaults_point_at_local_servers():
    config = load_config(environ={})
    assert config["AMQP_URI"].startswith("pyamqp://guest:guest@127.0.0.1:5672")
    assert config["WEB_SERVER_ADDRESS"] == "127.0.0.1:8000" or "GATEWAY_ADDRESS" in __import__("os").environ
    assert config["MONGO_DATABASES"]["order"].endswith("order")


def test_every_address_and_secret_comes_from_the_environment():
    config = load_config(environ={
        "POSTGRES_URI": "postgresql://u:p@db.example:6543",
        "MYSQL_URI": "mysql+pymysql://u@mysql.example:3307",
        "MONGO_URI": "mongodb://mongo.example:27018",
        "REDIS_URI": "redis://cache.example:6380/1",
        "AMQP_URI": "pyamqp://u:p@mq.example:5673/vh",
        "GATEWAY_ADDRESS": "0.0.0.0:9000",
        "JWT_SECRET": "12345",
        "ADMIN_EMAIL": "root@example.com",
        "ADMIN_PASSWORD": "007",
        "DB_PREFIX": "x_",
        "HOLD_TTL_SECONDS": "20",
    })
    assert config["DB_URIS"]["auth:Base"] == "postgresql://u:p@db.example:6543/x_auth"
    assert config["DB_URIS"]["airplane:Base"] == "mysql+pymysql://u@mysql.example:3307/x_airplane?charset=utf8mb4"
    assert config["MONGO_URI"] == "mongodb://mongo.example:27018"
    assert config["MONGO_DATABASES"] == {"order": "x_order", "payment": "x_payment"}
    assert config["REDIS_URI"] == "redis://cache.example:6380/1"
    assert config["REDIS_KEY_PREFIX"] == "x_"
    assert config["AMQP_URI"] == "pyamqp://u:p@mq.example:5673/vh"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:9000"
    # secrets stay strings even when they look like numbers
    assert config["JWT_SECRET"] == "12345"
    assert config["ADMIN_PASSWORD"] == "007"
    assert config["HOLD_TTL_SECONDS"] == 20
