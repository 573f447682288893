from django.contrib import admin

from opmodel.admin import PartAdmin

from .models import Metric, Principle, Purpose, SkillSet, Stage, Technology

for model in (Purpose, Stage, Metric, Principle, Technology, SkillSet):
    admin.site.register(model, PartAdmin)
