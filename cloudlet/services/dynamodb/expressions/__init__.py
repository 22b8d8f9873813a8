"""DynamoDB's expression language: tokenizer -> parser (AST) -> evaluator / updater."""
