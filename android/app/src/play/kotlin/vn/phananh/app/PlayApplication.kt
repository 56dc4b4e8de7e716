package vn.phananh.app

import vn.phananh.app.push.FcmTokenSource

/** The application of a Play build: the app as in src/main, with FCM as its push token source. */
class PlayApplication : PhanAnhApplication() {
    override fun onCreate() {
        // Before anything uses the graph; a test run that set its own options keeps them.
        if (PhanAnhApplication.options == null) {
            PhanAnhApplication.options = AppGraph.Options.fromBuild().copy(pushTokens = FcmTokenSource())
        }
        super.onCreate()
    }
}
