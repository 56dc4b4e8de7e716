package vn.phananh.app.work

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import java.time.Duration

/** When the core gets background time: now (after "send"), on reconnect, and periodically. */
class SyncScheduler(context: Context) {
    private val work = WorkManager.getInstance(context)
    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()
    private val unmetered = Constraints.Builder().setRequiredNetworkType(NetworkType.UNMETERED).build()

    /** Right away, expedited when quota allows (the user is waiting for "sent"). */
    fun syncNow() {
        val request = OneTimeWorkRequestBuilder<SyncWorker>()
            .setConstraints(online)
            .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, Duration.ofSeconds(30))
            .build()
        work.enqueueUniqueWork(NOW, ExistingWorkPolicy.APPEND_OR_REPLACE, request)
    }

    /** Status pulls every hour, and a run whenever Wi-Fi appears (videos that wait for it). */
    fun schedulePeriodic() {
        work.enqueueUniquePeriodicWork(
            PERIODIC, ExistingPeriodicWorkPolicy.KEEP,
            PeriodicWorkRequestBuilder<SyncWorker>(Duration.ofHours(1)).setConstraints(online).build(),
        )
        work.enqueueUniquePeriodicWork(
            ON_WIFI, ExistingPeriodicWorkPolicy.KEEP,
            PeriodicWorkRequestBuilder<SyncWorker>(Duration.ofHours(3)).setConstraints(unmetered).build(),
        )
    }

    private companion object {
        const val NOW = "phananh-sync-now"
        const val PERIODIC = "phananh-sync-periodic"
        const val ON_WIFI = "phananh-sync-wifi"
    }
}
