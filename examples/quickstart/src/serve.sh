#!/bin/sh
# A placeholder server command for the model spec; the quickstart does not
# deploy (see examples/churn for that).
echo "would serve $1 on port $2"
