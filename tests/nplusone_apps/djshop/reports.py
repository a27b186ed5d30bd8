from django.db.models import Count

from .models import Client, Invoice


def client_names_lazy():
    return [invoice.client.name for invoice in Invoice.objects.all()]


def client_names_joined():
    return [invoice.client.name for invoice in Invoice.objects.select_related("client")]


def client_ids_only():
    return [invoice.client_id for invoice in Invoice.objects.all()]


def label_texts_lazy():
    out = []
    for invoice in Invoice.objects.order_by("id"):
        out.append([label.text for label in invoice.labels.all()])
    return out


def label_texts_prefetched():
    out = []
    for invoice in Invoice.objects.prefetch_related("labels").order_by("id"):
        out.append([label.text for label in invoice.labels.all()])
    return out


def clients_by_id_each(ids):
    return [Client.objects.get(id=i).name for i in ids]


def clients_by_id_bulk(ids):
    clients = Client.objects.in_bulk(ids)
    return [clients[i].name for i in ids]


def invoice_counts_each():
    counts = {}
    for client in Client.objects.all():
        counts[client.id] = Invoice.objects.filter(client=client).count()
    return counts


def invoice_counts_annotated():
    return {c.id: c.n for c in Client.objects.annotate(n=Count("invoices"))}


def amount_of(invoice_id):
    return Invoice.objects.filter(id=invoice_id).values_list("amount", flat=True).first()


def amounts_each(ids):
    return [amount_of(i) for i in ids]


def amount_rows():
    return [row["amount"] for row in Invoice.objects.values("amount", "client__name")]


def descriptions_lazy():
    return [invoice.describe() for invoice in Invoice.objects.all()]


def descriptions_joined():
    return [invoice.describe() for invoice in Invoice.objects.select_related("client")]
