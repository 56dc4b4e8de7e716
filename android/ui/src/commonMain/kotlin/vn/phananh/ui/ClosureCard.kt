package vn.phananh.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.ClosureState
import vn.phananh.ui.state.NotVerifiedReason
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.forField

/**
 * Verified closure on the report detail: verified on site (with the distance) or not and why,
 * the before/after photos side by side, and "Đã sửa" / "Chưa sửa" within the answer window.
 * Verified or not is said in words with an icon, never by colour alone.
 */
@Composable
fun ClosureCard(c: ClosureState, onEvent: (ReportDetailEvent) -> Unit) {
    val (bg, fg) = if (c.verified) Color(0xFFE6F4EA) to Color(0xFF0E4D25) else Color(0xFFFFF4D6) to Color(0xFF4A3400)
    Card(colors = CardDefaults.cardColors(containerColor = bg, contentColor = fg), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(str(Str.closure_title), style = MaterialTheme.typography.labelLarge)
            Row(verticalAlignment = Alignment.CenterVertically) {
                Icon(if (c.verified) Icons.Filled.CheckCircle else Icons.Filled.Warning, contentDescription = null, tint = fg)
                Spacer(Modifier.width(8.dp))
                Text(str(if (c.verified) Str.closure_verified else Str.closure_not_verified), style = MaterialTheme.typography.titleMedium)
            }
            Text(verificationText(c), style = MaterialTheme.typography.bodyMedium)
            Row(horizontalArrangement = Arrangement.spacedBy(10.dp)) {
                BeforeAfter(str(Str.closure_before), c.before, onEvent, Modifier.weight(1f))
                BeforeAfter(str(Str.closure_after), c.after, onEvent, Modifier.weight(1f))
            }
            c.myAnswer?.let { a ->
                Text(str(if (a.confirmed) Str.closure_answer_confirmed else Str.closure_answer_disputed, dateTime(a.at)), style = MaterialTheme.typography.bodyLarge)
                a.text?.let { Text("“$it”", style = MaterialTheme.typography.bodyMedium) }
                if (a.pending) Text(str(Str.delivery_queued), style = MaterialTheme.typography.bodySmall)
            }
            c.error?.let { e ->
                if (e is UiError.Validation) FieldErrors(e.errors.forField("text"))
                else Text(closureErrorText(e), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium)
            }
            if (c.canAnswer) Answer(c, onEvent)
            else if (c.myAnswer == null && c.answerUntil < System.currentTimeMillis()) {
                Text(str(Str.closure_window_over, dateTime(c.answerUntil)), style = MaterialTheme.typography.bodySmall)
            }
        }
    }
}

@Composable
private fun Answer(c: ClosureState, onEvent: (ReportDetailEvent) -> Unit) {
    Text(str(Str.closure_question, dateTime(c.answerUntil)), style = MaterialTheme.typography.bodyMedium)
    if (!c.disputing) {
        Row(horizontalArrangement = Arrangement.spacedBy(10.dp)) {
            PrimaryButton(str(Str.closure_confirm), onClick = { onEvent(ReportDetailEvent.ConfirmFix) }, busy = c.sending, modifier = Modifier.weight(1f))
            OutlinedButton(onClick = { onEvent(ReportDetailEvent.StartDispute) }, enabled = !c.sending, modifier = Modifier.weight(1f).heightIn(min = 48.dp)) {
                Text(str(Str.closure_dispute))
            }
        }
    } else {
        OutlinedTextField(
            value = c.disputeText,
            onValueChange = { onEvent(ReportDetailEvent.ChangeDisputeText(it)) },
            label = { Text(str(Str.closure_dispute_text)) },
            minLines = 2,
            isError = c.error is UiError.Validation,
            modifier = Modifier.fillMaxWidth(),
        )
        PrimaryButton(str(Str.closure_dispute_send), onClick = { onEvent(ReportDetailEvent.SendDispute) }, busy = c.sending)
        TextButton(onClick = { onEvent(ReportDetailEvent.CancelDispute) }, modifier = Modifier.heightIn(min = 48.dp)) {
            Text(str(Str.closure_dispute_cancel))
        }
    }
}

@Composable
private fun BeforeAfter(label: String, photo: PhotoRef?, onEvent: (ReportDetailEvent) -> Unit, modifier: Modifier) {
    Column(modifier, verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(label, style = MaterialTheme.typography.labelMedium)
        if (photo != null) {
            Thumbnail(photo, 140.dp, contentDescription = label, modifier = Modifier.clickable { onEvent(ReportDetailEvent.OpenPhoto(photo)) })
        } else {
            Box(Modifier.size(140.dp), contentAlignment = Alignment.Center) {
                Text(str(Str.closure_no_after_photo), style = MaterialTheme.typography.bodySmall)
            }
        }
    }
}

/** "Ảnh chụp cách điểm phản ánh 40 m", or why the photo does not prove the fix. */
@Composable
@ReadOnlyComposable
fun verificationText(c: ClosureState): String {
    val d = c.distanceM?.let { distance(it.toDouble()) }
    return when (c.reason) {
        null -> if (d != null) str(Str.closure_verified_distance, d) else str(Str.closure_verified)
        NotVerifiedReason.NO_PHOTO -> str(Str.closure_reason_no_photo)
        NotVerifiedReason.NO_POSITION_IN_PHOTO -> str(Str.closure_reason_no_position)
        NotVerifiedReason.NO_CAPTURE_TIME -> str(Str.closure_reason_no_time)
        NotVerifiedReason.TOO_FAR -> if (d != null) str(Str.closure_reason_too_far, d, c.radiusM) else str(Str.closure_reason_too_far_unknown, c.radiusM)
        NotVerifiedReason.TAKEN_BEFORE_REPORT -> str(Str.closure_reason_before)
        NotVerifiedReason.OTHER -> str(Str.closure_reason_other)
    }
}

/** The core's refusal of an answer: window closed or already answered, in words. */
@Composable
@ReadOnlyComposable
fun closureErrorText(e: UiError): String = when {
    e is UiError.InvalidState && e.detail.contains("already answered") -> str(Str.closure_error_answered)
    e is UiError.InvalidState && e.detail.contains("window") -> str(Str.closure_error_window_closed)
    else -> errorText(e)
}
