mlcdRunChunks("churn",["20260301T100000Z-1003"]);
