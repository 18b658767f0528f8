mlcdRuns({"page":1,"params":["data","n_estimators"],"promo":["train_rf.f1","train_xgb.f1"],"runs":[["forecast/20260301T140000Z-500f","forecast","20260301T140000Z-500f","failed","schedule","main","000000000000",1772373600,40,["data/churn.csv","200"],[0.77,0.78]],
["forecast/20260301T130000Z-400c","forecast","20260301T130000Z-400c","success","push","main","000000000000",1772370000,40,["data/churn.csv","100"],[0.75,0.76]],
["churn/20260301T120000Z-3009","churn","20260301T120000Z-3009","success","push","main","000000000000",1772366400,40,["data/churn.csv","300"],[0.79,0.8]],
["churn/20260301T110000Z-2006","churn","20260301T110000Z-2006","success","schedule","main","000000000000",1772362800,40,["data/churn.csv","200"],[0.77,0.78]],
["churn/20260301T100000Z-1003","churn","20260301T100000Z-1003","success","push","main","000000000000",1772359200,40,["data/churn.csv","100"],[0.75,0.76]]]});
