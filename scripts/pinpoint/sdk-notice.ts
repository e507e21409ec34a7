/**
 * Imported first by scripts/import.ts: silences the AWS SDK's notice about its future Node 22 floor before any module
 * that builds a client at import time loads (ES modules run their imports in order, before the importer's body).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
