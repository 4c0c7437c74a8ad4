#!/bin/bash
apt-get update
apt-get install -y docker.io
curl -o /usr/local/bin/docker-compose -L https://github.com/docker/compose/releases/download/v2.29.1/docker-compose-linux-x86_64
chmod +x /usr/local/bin/docker-compose
cd /opt/webshop && docker-compose up -d
