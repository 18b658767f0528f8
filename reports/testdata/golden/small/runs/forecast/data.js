mlcdRunChunks("forecast",["20260301T130000Z-400c"]);
