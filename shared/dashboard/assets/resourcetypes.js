// Made by typegen from shared/discovery's type descriptors (make generate); do not edit.

/** resourceTypes are the resource types in the stored order: name, label, plural, whether it has charts, the states its filter offers. */
export const resourceTypes = [
  {
    "name": "ec2",
    "label": "EC2 instance",
    "plural": "EC2 instances",
    "charts": true,
    "states": [
      "running",
      "stopped"
    ]
  },
  {
    "name": "rds",
    "label": "RDS database",
    "plural": "RDS databases",
    "charts": true,
    "states": [
      "available"
    ]
  },
  {
    "name": "s3",
    "label": "S3 bucket",
    "plural": "S3 buckets",
    "charts": true,
    "states": []
  },
  {
    "name": "lambda",
    "label": "Lambda function",
    "plural": "Lambda functions",
    "charts": true,
    "states": [
      "Active"
    ]
  },
  {
    "name": "ebs",
    "label": "EBS volume",
    "plural": "EBS volumes",
    "charts": true,
    "states": []
  },
  {
    "name": "ebs-snapshot",
    "label": "EBS snapshot",
    "plural": "EBS snapshots",
    "charts": false,
    "states": []
  },
  {
    "name": "eip",
    "label": "Elastic IP",
    "plural": "Elastic IPs",
    "charts": false,
    "states": []
  },
  {
    "name": "nat",
    "label": "NAT gateway",
    "plural": "NAT gateways",
    "charts": true,
    "states": [
      "available"
    ]
  },
  {
    "name": "elb",
    "label": "load balancer",
    "plural": "load balancers",
    "charts": true,
    "states": []
  },
  {
    "name": "dynamodb",
    "label": "DynamoDB table",
    "plural": "DynamoDB tables",
    "charts": true,
    "states": []
  }
];
