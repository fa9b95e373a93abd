"""Where private files and shared counters live, read from the environment (a mapping such as ``os.environ``).

Private files (evidence, letters, consent forms, export files) go to the local file system by default (the embedded
demo, a single server) or, once ``MELDPUNT_S3_BUCKET`` is set, to a bucket of an S3-compatible object store through
django-storages. Either way they are never public: the bucket is written without an ACL (so it stays as private as
the bucket), and every download goes through a permission-checked view that streams the file.

The cache (API throttles, allauth's login rate limit) is per process unless ``MELDPUNT_CACHE_URL`` names a Redis
server; production defaults it to the Celery broker's Redis, so that several web processes count as one.
"""

from pathlib import Path

TRUE = {"1", "true", "yes", "on"}


def private_storage_settings(environ, *, default_root):
    """The ``STORAGES["private"]`` entry for this environment."""
    bucket = environ.get("MELDPUNT_S3_BUCKET", "").strip()
    if not bucket:
        root = environ.get("MELDPUNT_PRIVATE_MEDIA_ROOT") or str(default_root)
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(Path(root)), "base_url": None},
        }
    options = {
        "bucket_name": bucket,
        "location": environ.get("MELDPUNT_S3_PREFIX", "").strip("/"),
        # Never replace a stored file: a re-encoded image is written next to its original, which is deleted only
        # once the record naming the new file is committed (portal.files).
        "file_overwrite": False,
        "default_acl": None,  # no ACL: objects are as private as the bucket
        "querystring_auth": True,
        "querystring_expire": 60,
        "signature_version": "s3v4",
        "addressing_style": environ.get("MELDPUNT_S3_ADDRESSING_STYLE", "").strip() or None,
        "endpoint_url": environ.get("MELDPUNT_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": environ.get("MELDPUNT_S3_REGION", "").strip() or None,
        "verify": environ.get("MELDPUNT_S3_VERIFY_TLS", "true").strip().lower() in TRUE,
    }
    access_key = environ.get("MELDPUNT_S3_ACCESS_KEY_ID", "")
    if access_key:  # otherwise boto3's own chain (AWS_* variables, an instance role)
        options["access_key"] = access_key
        options["secret_key"] = environ.get("MELDPUNT_S3_SECRET_ACCESS_KEY", "")
    encryption = environ.get("MELDPUNT_S3_SERVER_SIDE_ENCRYPTION", "").strip()
    if encryption:  # e.g. AES256 or aws:kms, if the store does not encrypt every object by itself
        options["object_parameters"] = {"ServerSideEncryption": encryption}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def cache_settings(url):
    """``CACHES`` for a Redis URL (shared by every process), or a per-process memory cache without one."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "meldpunt",
            "TIMEOUT": 300,
        }
    }
