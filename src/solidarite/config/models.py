"""The one table of the composition root: which scheduled task was queued for which day."""

from __future__ import annotations

from django.db import models


class TacheQuotidienne(models.Model):
    """One row per task and day, unique: the worker that inserts it queues the task, in the same transaction;
    another worker's insert fails on the constraint, so a daily task is queued once a day whatever the number
    of workers (config/planification.py)."""

    tache = models.CharField("tâche", max_length=100)
    jour = models.DateField("jour")
    resultat = models.CharField("résultat (django-tasks)", max_length=64, blank=True)
    cree_le = models.DateTimeField("mise en file le", auto_now_add=True)

    class Meta:
        verbose_name = "tâche quotidienne"
        verbose_name_plural = "tâches quotidiennes"
        ordering = ["-jour", "tache"]
        constraints = [models.UniqueConstraint(fields=["tache", "jour"], name="une_tache_par_jour")]

    def __str__(self) -> str:
        return f"{self.tache} — {self.jour:%d/%m/%Y}"


class PresenceWorker(models.Model):
    """A running worker's sign of life: each of its queues (its django-tasks worker id) is seen again every minute
    or so. A task RUNNING under an id not seen for SOLIDARITE_TACHE_ABANDONNEE_MINUTES was left by a worker that
    died (SIGKILL, power cut): failed, and a recurring one queued again (config/reprise.py)."""

    worker = models.CharField("worker (identifiant django-tasks)", max_length=64, unique=True)
    vu_le = models.DateTimeField("vu en marche le")

    class Meta:
        verbose_name = "présence d'un worker"
        verbose_name_plural = "présences des workers"

    def __str__(self) -> str:
        return f"{self.worker} — {self.vu_le:%d/%m/%Y %H:%M:%S}"
