package vn.phananh.app.push

import android.util.Log
import vn.phananh.app.work.StatusChange
import vn.phananh.app.work.StatusNotifier
import vn.phananh.core.PushEffect
import vn.phananh.core.PushPlatform
import vn.phananh.data.PushRepository
import vn.phananh.data.ReportsRepository
import vn.phananh.data.runCatchingExceptions

/**
 * The app's side of push, over the core: the token goes to the core (which registers it for the
 * signed-in account, now or at the next sign-in / when the network returns); a push's data goes
 * to the core, which fetches and merges the report it names as a sync would, so the screens
 * (subscribed to my reports) show the new status; the status notification is the one a sync
 * run posts. A push is only a hint: one the core refuses (a report that is not this account's,
 * unreadable data) changes nothing and posts nothing.
 */
class CorePushReceiver(
    private val push: PushRepository,
    private val reports: ReportsRepository,
    private val notifier: StatusNotifier,
    private val tokens: PushTokenSource,
    private val notificationsOn: () -> Boolean,
) : PushReceiver {

    /** At app start: the platform's current token, if this build has a push service. */
    suspend fun start() {
        runCatchingExceptions { tokens.currentToken() }
            .onSuccess { token -> if (token != null) onNewToken(token) }
            .onFailure { e -> Log.i(TAG, "no push token from the platform: $e") }
    }

    override suspend fun onNewToken(token: String) {
        runCatchingExceptions { push.setPushToken(PushPlatform.FCM, token) }
            .onFailure { e -> Log.i(TAG, "push token kept for later: $e") }
    }

    override suspend fun onMessage(data: Map<String, String>) {
        handle(data).onFailure { e -> Log.i(TAG, "push not applied: $e") }
    }

    /** [onMessage] with its outcome (what it changed, or why nothing). */
    suspend fun handle(data: Map<String, String>): Result<PushEffect> = runCatchingExceptions {
        val before = reports.myReports().associate { it.id to it.status }
        val effect = push.handlePush(data)
        if (effect is PushEffect.Report) {
            val r = effect.report
            val was = before[r.id]
            if (was != null && was != r.status && notificationsOn()) {
                notifier.notifyChanges(listOf(StatusChange(r.id, r.category, r.status)))
            }
        }
        effect
    }

    private companion object {
        const val TAG = "PhanAnh"
    }
}
