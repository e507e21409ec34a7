/**
 * Node 20 is supported locally (Lambda runs 22): silence the AWS SDK's notice about its future Node 22 floor. Imported
 * first by `npm start`, because newer SDK packages print the notice as they load, before any client is built.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
