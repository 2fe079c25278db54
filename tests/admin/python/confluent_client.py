"""Talks to topicgate's /schema-registry the way Confluent's own Python
client does, and prints what it saw as one JSON document.

Usage: confluent_client.py REGISTRY_URL ADMIN_TOKEN TOPIC

The topic must be approved with the schema the test gave it. Steps: list
subjects, fetch the latest version and that schema by id (no credentials);
register a compatible version and try an incompatible one (basic auth with
the admin token as the password); then serialize a record with the latest
version (no auto-registration) and deserialize it again.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def main():
    url, token, topic = sys.argv[1:4]
    subject = f"{topic}-value"
    seen = {}

    reader = SchemaRegistryClient({"url": url})
    seen["subjects"] = reader.get_subjects()
    latest = reader.get_latest_version(subject)
    seen["latest"] = {"id": latest.schema_id, "version": latest.version,
                      "type": latest.schema.schema_type}
    by_id = reader.get_schema(latest.schema_id)
    seen["by_id_equals_latest"] = json.loads(by_id.schema_str) == json.loads(latest.schema.schema_str)

    try:
        reader.register_schema(subject, Schema(latest.schema.schema_str, "JSON"))
        seen["anonymous_register"] = "accepted"
    except SchemaRegistryError as e:
        seen["anonymous_register"] = e.http_status_code

    admin = SchemaRegistryClient({"url": url, "basic.auth.user.info": f"admin:{token}"})
    # Dropping a required field: every record the latest accepted, this
    # one accepts too (BACKWARD).
    relaxed = json.loads(latest.schema.schema_str)
    relaxed["properties"]["payload"]["required"] = []
    seen["compatible_id"] = admin.register_schema(subject, Schema(json.dumps(relaxed), "JSON"))
    # A number becomes a string: records valid before would be refused.
    breaking = json.loads(latest.schema.schema_str)
    breaking["properties"]["payload"]["properties"]["amount"] = {"type": "string"}
    try:
        admin.register_schema(subject, Schema(json.dumps(breaking), "JSON"))
        seen["incompatible"] = "accepted"
    except SchemaRegistryError as e:
        seen["incompatible"] = {"status": e.http_status_code, "code": e.error_code,
                                "message": e.error_message}

    # A client of its own: `reader` keeps the latest version it fetched.
    fresh = SchemaRegistryClient({"url": url})
    serializer = JSONSerializer(None, fresh, conf={"auto.register.schemas": False,
                                                   "use.latest.version": True})
    deserializer = JSONDeserializer(None, schema_registry_client=fresh)
    context = SerializationContext(topic, MessageField.VALUE)
    record = {"payload": {"amount": 12.5}}
    framed = serializer(record, context)
    seen["frame"] = {"magic": framed[0], "id": int.from_bytes(framed[1:5], "big")}
    seen["round_trip"] = deserializer(framed, context) == record
    try:
        serializer({"payload": {"amount": "twelve"}}, context)
        seen["invalid_record"] = "accepted"
    except Exception as e:  # the serializer's validation error
        seen["invalid_record"] = type(e).__name__

    print(json.dumps(seen))


if __name__ == "__main__":
    main()
