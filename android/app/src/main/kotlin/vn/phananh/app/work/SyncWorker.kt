package vn.phananh.app.work

import android.content.Context
import android.content.pm.ServiceInfo
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.work.CoroutineWorker
import androidx.work.ForegroundInfo
import androidx.work.WorkerParameters
import java.time.Duration
import java.time.Instant
import vn.phananh.app.PhanAnhApplication
import vn.phananh.app.R
import vn.phananh.core.PhanAnhException

/**
 * Background delivery: calls the core's bounded `run_pending` with a deadline inside
 * WorkManager's 10-minute window, then notifies status changes. The core decides what to send,
 * retries with backoff and stops cleanly at the deadline; this worker only gives it time.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val app = applicationContext as PhanAnhApplication
        val graph = app.graph
        val deadline = Instant.now().plus(RUN_BUDGET)
        return try {
            val run = graph.gateway.runPending(deadline)
            if (graph.settings.values.value.notifications) graph.notifier.notifyChanges(run.changes)
            // Work left (backing off, waiting for Wi-Fi, deadline reached): WorkManager calls again.
            if (run.pending > 0 || run.hitDeadline) Result.retry() else Result.success()
        } catch (e: PhanAnhException.Offline) {
            Result.retry()
        } catch (e: PhanAnhException.Unauthorized) {
            Result.success() // nothing to do until the user signs in again
        } catch (e: PhanAnhException) {
            Result.retry()
        }
    }

    /** Shown when the work runs expedited (the user just pressed "send"). */
    override suspend fun getForegroundInfo(): ForegroundInfo {
        val notification = NotificationCompat.Builder(applicationContext, StatusNotifier.CHANNEL_SYNC)
            .setSmallIcon(R.drawable.ic_notification)
            .setContentTitle(applicationContext.getString(R.string.notification_sending))
            .setOngoing(true)
            .setSilent(true)
            .build()
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            ForegroundInfo(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(NOTIFICATION_ID, notification)
        }
    }

    companion object {
        /** Below WorkManager's 10-minute limit, leaving time to stop cleanly. */
        val RUN_BUDGET: Duration = Duration.ofMinutes(8)
        private const val NOTIFICATION_ID = 4201
    }
}
