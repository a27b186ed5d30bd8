from django.db import models


class Client(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "djshop"


class Label(models.Model):
    text = models.CharField(max_length=20)

    class Meta:
        app_label = "djshop"


class Invoice(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invoices")
    labels = models.ManyToManyField(Label, related_name="invoices")
    amount = models.IntegerField(default=0)

    class Meta:
        app_label = "djshop"

    def describe(self):
        return f"{self.amount} for {self.client.name}"
