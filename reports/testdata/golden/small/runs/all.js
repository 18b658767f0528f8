mlcdRunsChunks(1);
