#!/usr/bin/env python3
"""Transform a SAM template to plain CloudFormation offline and print it as JSON.

Usage: sam_translate.py TEMPLATE [NAME=VALUE ...]

No AWS account is needed: local CodeUri and DefinitionUri paths become s3:// placeholders (what
`sam package` would upload) and managed policies resolve to nothing (they are looked up in IAM otherwise).
AWS_DEFAULT_REGION must be set: SAM fills in AWS::Region and AWS::Partition from it.
infra/template_test.go runs this script and checks the output.
"""

import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

PLACEHOLDER = "s3://civicpulse-placeholder/code.zip"


class OfflinePolicyLoader:
    """Managed policy loader that never calls IAM."""

    def load(self):
        return {}


def localize(template):
    """Replaces local code paths with the placeholder an uploaded artifact would have."""
    sections = [template.get("Globals", {}).get("Function", {})]
    sections += [
        r.get("Properties", {})
        for r in template.get("Resources", {}).values()
        if r.get("Type") == "AWS::Serverless::Function"
    ]
    for props in sections:
        uri = props.get("CodeUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            props["CodeUri"] = PLACEHOLDER
    for r in template.get("Resources", {}).values():
        props = r.get("Properties", {})
        uri = props.get("DefinitionUri")
        if r.get("Type") == "AWS::Serverless::StateMachine" and isinstance(uri, str) and not uri.startswith("s3://"):
            props["DefinitionUri"] = "s3://civicpulse-placeholder/" + uri


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        template = yaml_parse(f.read())
    params = dict(arg.split("=", 1) for arg in argv[2:])
    localize(template)
    out = transform(template, params, OfflinePolicyLoader())
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
