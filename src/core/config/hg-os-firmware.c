/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-osinfo"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-os-firmware.h"
#include "hg-osinfo-backend.h"

void
hg_os_firmware_advice_free (HgOsFirmwareAdvice *advice)
{
  if (advice == NULL)
    return;
  g_free (advice->firmware);
  g_free (advice->reason);
  g_free (advice);
}

static gboolean
arch_has_uefi (const char *arch)
{
  return g_strcmp0 (arch, "x86_64") == 0 || g_strcmp0 (arch, "aarch64") == 0;
}

HgOsFirmwareAdvice *
hg_os_firmware_recommend (const char *os_id,
                          const char *arch)
{
  const HgOsinfoBackend *backend;
  HgOsinfoFirmwareFacts facts;
  HgOsFirmwareAdvice *advice;
  const char *name;
  gboolean windows_needs_uefi;

  g_return_val_if_fail (os_id != NULL, NULL);
  g_return_val_if_fail (arch != NULL, NULL);

  backend = _hg_osinfo_get_backend (NULL);
  if (backend == NULL || !backend->firmware_facts (os_id, arch, &facts))
    return NULL;
  name = facts.name != NULL ? facts.name : os_id;
  advice = g_new0 (HgOsFirmwareAdvice, 1);
  windows_needs_uefi = g_strcmp0 (facts.family, "winnt") == 0 && facts.bios_unsupported;
  if (!arch_has_uefi (arch) || (!facts.efi && !facts.bios_unsupported))
    advice->firmware = g_strdup ("bios");
  else if (facts.secure_boot || windows_needs_uefi)
    {
      advice->firmware = g_strdup ("uefi-secure");
      advice->tpm = TRUE;
      advice->needed = TRUE;
      if (windows_needs_uefi)
        advice->reason = g_strdup_printf (_("%s needs UEFI (libosinfo: BIOS is not supported), "
                                            "with Secure Boot and a TPM 2.0 (Microsoft's "
                                            "requirement)"), name);
      else
        advice->reason = g_strdup_printf (_("%s asks for UEFI with Secure Boot (libosinfo)"),
                                          name);
    }
  else if (facts.bios_unsupported)
    {
      advice->firmware = g_strdup ("uefi");
      advice->needed = TRUE;
      advice->reason = g_strdup_printf (_("%s needs UEFI (libosinfo: BIOS is not supported)"),
                                        name);
    }
  else
    {
      advice->firmware = g_strdup ("uefi");
      advice->reason = g_strdup_printf (_("%s supports UEFI (libosinfo), the firmware of "
                                          "today's PCs"), name);
    }
  if (facts.tpm && !advice->tpm)
    {
      g_autofree char *before = g_steal_pointer (&advice->reason);

      advice->tpm = TRUE;
      advice->needed = TRUE;
      advice->reason = before != NULL
                         ? g_strdup_printf (_("%s; it has TPM drivers (libosinfo)"), before)
                         : g_strdup_printf (_("%s has TPM drivers (libosinfo)"), name);
    }
  g_free (facts.name);
  g_free (facts.family);
  return advice;
}
