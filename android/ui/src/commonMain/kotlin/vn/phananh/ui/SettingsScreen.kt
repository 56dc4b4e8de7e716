package vn.phananh.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.SettingsActions
import vn.phananh.ui.state.SettingsState

/** Settings: language, Wi-Fi-only video, notifications, account. */
@Composable
fun SettingsScreen(state: SettingsState, actions: SettingsActions) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.settings_title), onBack = actions::back) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            SectionTitle(str(Str.settings_language))
            Column(Modifier.selectableGroup()) {
                // Each language is named in itself, so a user who cannot read the current one finds theirs.
                LanguageRow("Tiếng Việt", state.language == AppLanguage.VI) { actions.changeLanguage(AppLanguage.VI) }
                LanguageRow("English", state.language == AppLanguage.EN) { actions.changeLanguage(AppLanguage.EN) }
            }
            HorizontalDivider()
            SwitchRow(str(Str.settings_wifi_video), str(Str.settings_wifi_video_hint), state.wifiOnlyVideo, actions::changeWifiOnlyVideo)
            SwitchRow(str(Str.settings_notifications), str(Str.settings_notifications_hint), state.notificationsEnabled, actions::changeNotifications)
            HorizontalDivider()
            SectionTitle(str(Str.settings_account))
            if (state.signedInPhone != null) {
                Text(str(Str.settings_signed_in_as, state.signedInPhone!!), style = MaterialTheme.typography.bodyLarge)
                OutlinedButton(onClick = actions::signOut, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
                    Text(str(Str.settings_sign_out), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.labelLarge)
                }
            } else {
                Text(str(Str.settings_signed_out), style = MaterialTheme.typography.bodyLarge)
                PrimaryButton(str(Str.login_title), onClick = actions::signIn)
            }
            HorizontalDivider()
            SectionTitle(str(Str.settings_about))
            LabelValue(str(Str.settings_tenant), state.tenantName.text())
            LabelValue(str(Str.settings_version), str(Str.settings_version_value, state.appVersion, state.coreVersion))
        }
    }
}

@Composable
private fun LanguageRow(label: String, selected: Boolean, onSelect: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).selectable(selected, onClick = onSelect, role = Role.RadioButton),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        RadioButton(selected = selected, onClick = null)
        Spacer(Modifier.width(12.dp))
        Text(label, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun SwitchRow(title: String, hint: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(checked, onValueChange = onChange, role = Role.Switch).padding(vertical = 6.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(title, style = MaterialTheme.typography.bodyLarge)
            Text(hint, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        Spacer(Modifier.width(12.dp))
        Switch(checked = checked, onCheckedChange = null)
    }
}
