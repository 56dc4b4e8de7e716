package vn.phananh.app.work

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import vn.phananh.app.MainActivity
import vn.phananh.app.R
import vn.phananh.core.ReportStatus
import vn.phananh.ui.R as UiR

/** Local notifications when a report's status changes (one per report, replaced on update). */
class StatusNotifier(private val context: Context) {

    fun createChannels() {
        val manager = context.getSystemService(NotificationManager::class.java)
        manager.createNotificationChannel(
            NotificationChannel(CHANNEL_STATUS, context.getString(R.string.channel_status_name), NotificationManager.IMPORTANCE_DEFAULT)
                .apply { description = context.getString(R.string.channel_status_description) },
        )
    }

    fun notifyChanges(changes: List<StatusChange>) {
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED &&
            android.os.Build.VERSION.SDK_INT >= android.os.Build.VERSION_CODES.TIRAMISU
        ) return
        val manager = NotificationManagerCompat.from(context)
        for (change in changes) {
            val open = PendingIntent.getActivity(
                context, change.reportId.hashCode(),
                Intent(Intent.ACTION_VIEW, Uri.parse("phananh://report/${Uri.encode(change.reportId)}"), context, MainActivity::class.java),
                PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
            )
            val status = context.getString(statusText(change.status))
            // Title: the report's number; text: its new status (no personal data on the lock screen).
            val notification = NotificationCompat.Builder(context, CHANNEL_STATUS)
                .setSmallIcon(R.drawable.ic_notification)
                .setContentTitle(context.getString(R.string.notification_status_title, change.reportId))
                .setContentText(status)
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
            try {
                manager.notify(change.reportId, NOTIFICATION_STATUS, notification)
            } catch (e: SecurityException) {
                return // permission revoked meanwhile
            }
        }
    }

    private fun statusText(status: ReportStatus): Int = when (status) {
        ReportStatus.RECEIVED -> UiR.string.status_received
        ReportStatus.FORWARDED -> UiR.string.status_forwarded
        ReportStatus.IN_PROGRESS -> UiR.string.status_in_progress
        ReportStatus.RESOLVED -> UiR.string.status_resolved
        ReportStatus.CLOSED -> UiR.string.status_closed
        ReportStatus.REJECTED -> UiR.string.status_rejected
        ReportStatus.DUPLICATE -> UiR.string.status_duplicate
        ReportStatus.REOPENED -> UiR.string.status_reopened
    }

    companion object {
        const val CHANNEL_STATUS = "status"
        private const val NOTIFICATION_STATUS = 1
    }
}
