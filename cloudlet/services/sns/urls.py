"""Paths SNS serves outside the AWS API; kept apart so the route table imports nothing heavy."""

# Where the signing certificate is fetched from, like AWS's SigningCertURL path.
CERT_PATH_PREFIX = "/SimpleNotificationService-"
