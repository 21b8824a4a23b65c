"""Thin handlers: parse the update, find out who is asking, call one service, queue the reply."""
