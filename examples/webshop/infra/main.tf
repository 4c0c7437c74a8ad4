# A small shop: one API server, a Postgres database and an alarm.
# Written for shipshape's README: it has the gaps a first launch often has.

terraform {
  backend "s3" {
    bucket = "webshop-tfstate"
    key    = "prod/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "instance_type" {
  type    = string
  default = "t3.small"
}

resource "aws_instance" "api" {
  ami           = "ami-0a1b2c3d4e5f67890"
  instance_type = var.instance_type
  user_data     = file("${path.module}/bootstrap.sh")

  tags = {
    Name = "webshop-api"
  }
}

resource "aws_security_group" "api" {
  name = "webshop-api"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_instance" "orders" {
  identifier              = "webshop-orders"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  username                = "shop"
  password                = "changeme-in-prod"
  backup_retention_period = 0
  skip_final_snapshot     = true
}

resource "aws_cloudwatch_metric_alarm" "api_cpu" {
  alarm_name          = "webshop-api-cpu"
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  evaluation_periods  = 2
  period              = 300
  statistic           = "Average"
  dimensions = {
    InstanceId = aws_instance.api.id
  }
}
